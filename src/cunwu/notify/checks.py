"""Start-up check: a text-message provider that lacks a template for a purpose, a signature or its keys is
refused with each missing setting named."""

from django.core.checks import Error, register


@register()
def sms_provider_configured(app_configs, **kwargs):
    from cunwu import sms

    missing = sms.missing_settings()
    if not missing:
        return []
    return [Error("The text-message provider is not fully configured: missing " + ", ".join(missing),
                  hint="Set these in the environment (see docs/notifications.md).", id="cunwu.E010")]
