import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make `@pytest.mark.xdist_group` work again under `--dist loadgroup` (scripts/test).

    pytest-xdist 3.8 groups tests by appending "@<group>" to `item._nodeid`, but pytest 9.2 keeps
    the node id in `item._id` (a NodeId), so the suffix is silently lost and the tests of one
    group are spread over the workers (each starting its own gunicorn, say). Append it here.
    """
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers only
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # an older pytest: xdist's own hook works there
        return
    for item in items:
        names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                        for mark in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid and isinstance(getattr(item, "_id", None), NodeId):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")
