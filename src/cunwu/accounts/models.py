from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import personal_data
from .departments import CHINESE_NAMES, DepartmentKind
from .roles import Role


class UserManager(BaseUserManager):
    def create_user(self, username, password=None, **fields):
        user = self.model(username=username, **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        return user


class User(AbstractBaseUser):
    """A person who uses the platform. What they may do comes from their assignments, not from this row."""

    username = models.CharField(_("username"), max_length=150, unique=True)
    full_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, unique=True, null=True, blank=True)
    national_id_sealed = models.TextField(blank=True)  # AES-GCM, see personal_data
    national_id_index = models.CharField(max_length=64, unique=True, null=True, blank=True)
    totp_sealed = models.TextField(blank=True)
    totp_confirmed = models.BooleanField(default=False)
    totp_last_step = models.BigIntegerField(default=0)
    wecom_id = models.CharField(_("WeCom account"), max_length=64, blank=True)  # officials told in WeCom too
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def has_national_id(self) -> bool:
        return bool(self.national_id_sealed)

    def masked_national_id(self) -> str:
        """Masked form for screens; decrypting to mask is not a reveal (nothing beyond 8 characters shows)."""
        return personal_data.mask_national_id(personal_data.decrypt(self.national_id_sealed))

    def masked_phone(self) -> str:
        return personal_data.mask_phone(self.phone or "")

    def set_national_id(self, normalized: str) -> None:
        self.national_id_sealed = personal_data.encrypt(normalized)
        self.national_id_index = personal_data.blind_index(normalized) if normalized else None


class Department(models.Model):
    """A county functional department, created for a county when first needed."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="departments")
    kind = models.CharField(_("kind"), max_length=32, choices=DepartmentKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "kind"], name="one_department_kind_per_county")]
        ordering = ["county_id", "kind"]

    def __str__(self) -> str:
        return f"{self.county.name}{self.chinese_name}"

    @property
    def chinese_name(self) -> str:
        return CHINESE_NAMES[self.kind]


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Assignment(models.Model):
    """A role held by a user over a region (and a department for department officers)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="assignments")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT)
    active = models.BooleanField(default=True)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["region_id", "role"]
        indexes = [models.Index(fields=["region", "role", "active"]), models.Index(fields=["user", "active"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "department"], condition=Q(active=True), name="one_active_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.region_id}"


class ApiToken(models.Model):
    """A machine credential; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # a token without one (made before expiry) never works

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user_id})"

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.expires_at is not None and self.expires_at > timezone.now()


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS: stored hashed, single use, short-lived."""

    phone = models.CharField(max_length=11, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"code for …{self.phone[-4:]}"


class SignInThrottle(models.Model):
    """Failure counter and lockout for one identifier (a hashed phone number, username or client address)."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.failures} failures"


class RateCounter(models.Model):
    """Hits of one client (or one identifier) in one fixed window, for rate limits that every process and every
    machine of a deployment share (the key is a digest of scope, who and window)."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.count}"


class OutboxMessage(models.Model):
    """A text message as the default SMS backend keeps it: administrators and tests read the outbox."""

    phone = models.CharField(max_length=11, db_index=True)
    body = models.TextField()
    purpose = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} to …{self.phone[-4:]}"
