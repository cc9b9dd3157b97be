from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "cunwu.directory"
    label = "directory"
    verbose_name = "Service directory"

    def ready(self) -> None:
        from .policies import register_policies

        register_policies()
