"""Channel plugins that ship with the hub (each a pluggy plugin on the ronghub-sdk hooks)."""
