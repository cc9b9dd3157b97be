"""What a notification is about. Each kind has a short label (the inbox, the text message's first words)."""

from django.utils.translation import gettext_lazy as _

KINDS = {
    "case_new": _("New request"),
    "case_materials": _("Materials supplied"),
    "case_handed_over": _("Case handed to you"),
    "case_escalated": _("Escalated to the township"),
    "dispatch_called": _("Call to report in"),
    "dispatch_returned": _("Returned by a department"),
    "case_warning": _("Three quarters of the time limit used"),
    "case_overdue": _("Overdue"),
    "bad_rating": _("Dissatisfied rating: call the applicant back"),
    "legal_question": _("Legal question to answer"),
    "legal_aid": _("Legal aid application"),
    "aid_materials": _("Legal aid materials supplied"),
    "aid_assigned": _("Legal aid assigned to you"),
    "aid_collaboration": _("Another county asks your legal aid centre to help"),
    "aid_collaboration_answered": _("Answer on off-site collaboration"),
    "aid_collaboration_done": _("Off-site collaboration done"),
    "mediation_assigned": _("Mediation assigned to you"),
    "mediation_applied": _("Application for mediation"),
    "mediation_alert": _("High-risk dispute"),
    "legal_overdue": _("Legal time limit"),
    "warning": _("Emergency warning"),
    "certificate_request": _("Certificate request"),
    "certificate_decided": _("Your certificate request was decided"),
    "visits_due": _("Key-group visits due"),
    "sharing_request": _("Request for key-group data"),
    "sharing_decided": _("Data request decided"),
    "webhook_paused": _("A connected system stopped answering"),
    "admission_review": _("Admission request to review"),
    "admission_decide": _("Admission request for the county to decide"),
    "admission_consent": _("Admission request awaiting the province"),
    "admission_decided": _("Your admission request was decided"),
    "demand_report": _("A village reports a demand outside admission"),
    "demand_report_resolved": _("Your report of a demand was resolved"),
}


def label(kind: str) -> str:
    return str(KINDS.get(kind, kind))
