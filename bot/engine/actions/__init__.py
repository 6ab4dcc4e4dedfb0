"""Actions the engine runs: defaults, responses, forms, slot extraction and custom actions."""
