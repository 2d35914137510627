"""The curricula: their vocabulary (tracks, themes, formats), the file format of content/, loading
the files into pages, pairing modules across tracks, and the co-production sign-off."""
