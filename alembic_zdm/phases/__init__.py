"""Phase model, revision discovery, targets, state store and the phase runner."""
