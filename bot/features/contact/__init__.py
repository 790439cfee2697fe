"""Contact: requests to be called back by a local professional (tickets) and the relayed conversation."""
