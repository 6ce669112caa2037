"""The operator's view: notices to an admin chat, /healthz and /metrics, JSON logs."""
