"""The optional sync adapter: a client of the CouchDB replication protocol (httpx)."""
