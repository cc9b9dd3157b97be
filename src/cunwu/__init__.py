"""cunwu (村务): village-level comprehensive services."""
