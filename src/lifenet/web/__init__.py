"""Layout templates, static assets, translations and shared page helpers."""
