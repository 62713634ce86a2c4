"""pysaml2 attribute map that renames nothing: the test IdP sends attribute names as given."""

MAP = {"identifier": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", "fro": {}, "to": {}}
