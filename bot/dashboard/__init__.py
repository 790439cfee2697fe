"""The web pages served beside the webhook: the coordinators' dashboard and the public verification page."""
