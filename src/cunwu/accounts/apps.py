from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cunwu.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from .permissions import register_ground_policies

        register_ground_policies()
