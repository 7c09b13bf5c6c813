"""The API's route modules; each has a `router`, included by create_app in ROUTERS order."""
