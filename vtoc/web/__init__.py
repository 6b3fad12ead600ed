"""The browser side of vTOC: the SPA's static server, Traefik's routes, the local web stack."""
