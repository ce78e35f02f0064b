from tests.store.fixtures import cheap_password_hashing, database_url, fake_pipeline, store  # noqa: F401
