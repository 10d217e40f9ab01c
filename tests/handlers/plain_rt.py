"""Plain Lambda handlers (no durable SDK) run by awslambdaric, for how the
re-run reports a Runtime API handler that raises (awslambdaric posts
/invocation/{id}/error) or whose process dies mid-invocation."""

import os


def raises(event, context):
    raise ValueError("boom from a plain handler")


def exits(event, context):
    os._exit(3)
