"""What every worker shares: settings, the broker, consumer groups, errors, logging."""
