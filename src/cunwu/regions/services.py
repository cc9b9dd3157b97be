from pathlib import Path

from django.db import transaction

from cunwu.audit.context import Actor
from cunwu.audit.services import record

from .importer import ImportResult, import_regions


def import_division_codes(actor: Actor, directory: Path | None = None, within: str = "", edition: str = "2023",
                          progress=None) -> ImportResult:
    """Load an edition of the division codes (console operators only: it is reference data for everyone)."""
    if not actor.system:
        from cunwu.accounts.permissions import Forbidden

        raise Forbidden("Only the console operator imports division codes.")
    with transaction.atomic():
        result = import_regions(directory, within=within, edition=edition, progress=progress)
        record(actor, "regions.import", object_type="regions.region", object_id=within or "*", region_code=within,
               detail={"read": result.read, "created": result.created, "updated": result.updated,
                       "deactivated": result.deactivated, "reactivated": result.reactivated,
                       "edition": edition, "source": str(directory or "packaged")})
    return result
