"""The protocol's one typed definition: every client event, reply and server event.

msgspec Structs (chosen on the per-frame figures in bench/README.md). ``requests`` holds the
data of each client event, ``replies`` the data of each reply and server event, ``types`` the
constrained values they share (ids that fit the database, storable text, usernames). The
table that names each event lives in chat.protocol; chat.events.documents turns the same
definitions into the JSON Schema, the AsyncAPI document and the JS client's typedefs
(``python manage.py protocol_schema``).
"""
