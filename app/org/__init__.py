"""Organisation: departments (districts, municipal departments), civil servants and users with roles."""
