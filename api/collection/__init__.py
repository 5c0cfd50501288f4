"""What every collection resource (articles, topics, ...) shares: its declaration, its operations, its routes.

A resource module declares its collection once (`declaration.Collection`);
`routes.collection_namespace` makes every route and its documentation from
that declaration, and `operations` does the work the same way for every
collection, so the visibility rule, the conflict answers and the revision
trail cannot drift apart between resources.
"""
