"""Reports of effective access for people: the access page. May import jumpgate.core only."""
