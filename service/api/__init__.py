"""HTTP only: routes, request and response schemas, and the one mapping to and from domain types."""
