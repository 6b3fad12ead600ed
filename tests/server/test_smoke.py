from vtoc.client import VtocClient


def test_create_and_read_operation(admin: VtocClient) -> None:
    op = admin.operations.create(name="Northern Watch")
    assert op.code == "OP-0001"
    assert admin.operations.get("OP-0001").name == "Northern Watch"
