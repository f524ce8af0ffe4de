"""Dutch documents: templates rendered with jinja2, their wording and charts."""
