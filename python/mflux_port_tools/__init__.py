"""Helper scripts the mflux Port Studio extension runs with the port's own Python environment."""
