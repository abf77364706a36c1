"""Business processes and tasks (reference §7): a route map declared in the configuration,
``Start`` and ``ExecuteTask`` through the whole route, condition branches, task-creation
handlers, rights ``Start``/``Execute``, and bad inputs as 4xx OData errors with nothing changed;
on every provider that writes (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from webob import Request

from infobase_odata import build_model
from infobase_odata.configuration import Configuration, ConfigurationError
from infobase_odata.events import EventHandlers, Refusal
from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.memory import MemoryProvider
from infobase_odata.security_auth import hash_password
from tests.conftest import AsUser, assert_odata_error, basic

SERVICE = "/t/odata/standard.odata/"
PROCESS = "BusinessProcess_Approval"
TASK = "Task_Job"
ROUTE = [
    {"name": "Start", "kind": "start", "next": "Check"},
    {"name": "Urgent", "kind": "start", "next": "Approve"},
    {"name": "Check", "kind": "activity", "next": "Large", "description": "Check the order",
     "addressing": {"Role": "Clerk"}},
    {"name": "Large", "kind": "condition", "then": "Approve", "otherwise": "Done"},
    {"name": "Approve", "kind": "activity", "next": "Done", "addressing": {"Role": "Director"}},
    {"name": "Done", "kind": "end"},
]


def configuration(users: bool = True) -> Configuration:
    password = hash_password("x", iterations=1000)
    roles = [{"name": "All", "rights": {"*": ["*"]}},
             {"name": "Editor", "rights": {PROCESS: ["Read", "Insert", "Update"], TASK: ["Read", "Update"]}},
             {"name": "Performer", "rights": {PROCESS: ["Start"], TASK: ["Execute"]}}]
    return Configuration.from_dict({"name": "t", "objects": [
        {"kind": "Catalog", "name": "Users"},
        {"kind": "Task", "name": "Job", "attributes": [{"name": "Note", "type": "String(50)"}],
         "addressing": [{"name": "Role", "type": "String(50)"}, {"name": "Performer", "type": "CatalogRef.Users"}]},
        {"kind": "BusinessProcess", "name": "Approval", "task": TASK,
         "attributes": [{"name": "Amount", "type": "Number(15,2)"}], "route": ROUTE},
    ], "roles": roles if users else [],
        "users": [{"name": n, "password": password, "roles": [r]}
                  for n, r in (("admin", "All"), ("editor", "Editor"), ("performer", "Performer"))] if users else []})


EVENTS = EventHandlers()


@EVENTS.condition(PROCESS, "Large")
def large(event):
    return event.object["Amount"] >= 1000


@EVENTS.on_create_tasks(PROCESS, "Check")
def note_amount(event):
    if event.object["Amount"] == 666:
        raise Refusal("Сумма 666 не согласуется")
    for task in event.tasks:
        task["Note"] = f"amount {event.object['Amount']}"


@EVENTS.on_create_tasks(PROCESS, "Approve")
def two_approvers(event):
    if event.object["Amount"] >= 100000:  # a very large order: two directors, both must execute
        event.tasks.append(dict(event.tasks[0], Description="Second approval"))


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgresql"])
def app(request, tmp_path_factory):
    conf = configuration()
    if request.param == "memory":
        return AsUser(ODataMiddleware(None, conf, provider=MemoryProvider(build_model(conf)), prefix="t",
                                      events=EVENTS), "admin", "x")
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_server").fresh_url()
    else:
        database = str(tmp_path_factory.mktemp("processes") / "t.db")
    return AsUser(ODataMiddleware(None, conf, prefix="t", database=database, events=EVENTS), "admin", "x")


def call(app, path: str, method: str = "GET", body=None, user: str | None = None):
    request = Request.blank(SERVICE + path, method=method)
    if user is not None:
        request.headers["Authorization"] = basic(user, "x")
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def get(app, path: str):
    response = call(app, path + ("&" if "?" in path else "?") + "$format=json")
    assert response.status_code == 200, response.body[:500]
    return response.json


def new_process(app, amount) -> str:
    response = call(app, f"{PROCESS}?$format=json", "POST", {"Amount": amount})
    assert response.status_code == 201, response.body[:500]
    return response.json["Ref_Key"]


def process(app, ref: str) -> dict:
    return get(app, f"{PROCESS}(guid'{ref}')")


def tasks(app, ref: str, *, open_only: bool = False) -> list[dict]:
    condition = f"BusinessProcess eq cast(guid'{ref}', 'StandardODATA.{PROCESS}')"
    if open_only:
        condition += " and Executed eq false"
    return get(app, f"{TASK}?$filter={condition}&$orderby=Number")["value"]


def act(app, path: str, user: str | None = None):
    return call(app, path, "POST", user=user)


def start(app, ref: str, point: str | None = None, user: str | None = None):
    query = "" if point is None else f"?RoutePoint='{point}'"
    return act(app, f"{PROCESS}(guid'{ref}')/Start{query}", user)


def execute(app, task: dict, user: str | None = None):
    return act(app, f"{TASK}(guid'{task['Ref_Key']}')/ExecuteTask", user)


def test_a_whole_route_from_start_through_two_tasks_to_completed(app):
    ref = new_process(app, 5000)
    assert process(app, ref)["Started"] is False and tasks(app, ref) == []
    response = start(app, ref, "Start")
    assert response.status_code == 200 and response.body == b""
    after_start = process(app, ref)
    assert (after_start["Started"], after_start["Completed"]) == (True, False)
    [check] = tasks(app, ref)
    assert (check["Description"], check["RoutePoint"], check["Role"], check["Note"], check["Executed"]) == (
        "Check the order", "Check", "Clerk", "amount 5000.00", False)
    assert check["BusinessProcess"] == ref and check["BusinessProcess_Type"] == f"StandardODATA.{PROCESS}"
    assert check["RoutePoint_Type"] == "StandardODATA.BusinessProcessRoutePointRef_Approval"
    assert check["Date"] > "2000" and check["Number"]

    assert execute(app, check).status_code == 200
    first, approve = tasks(app, ref)
    assert first["Executed"] is True and first["Ref_Key"] == check["Ref_Key"]
    assert (approve["RoutePoint"], approve["Role"], approve["Description"], approve["Executed"]) == (
        "Approve", "Director", "Approve", False)
    assert process(app, ref)["Completed"] is False

    assert execute(app, approve).status_code == 200
    done = process(app, ref)
    assert (done["Started"], done["Completed"]) == (True, True)
    assert [t["Executed"] for t in tasks(app, ref)] == [True, True]
    assert tasks(app, ref, open_only=True) == []


def test_the_condition_takes_its_other_branch(app):
    ref = new_process(app, 10)
    assert start(app, ref).status_code == 200  # no RoutePoint: the first start point
    [check] = tasks(app, ref)
    assert execute(app, check).status_code == 200
    assert process(app, ref)["Completed"] is True
    assert [t["RoutePoint"] for t in tasks(app, ref)] == ["Check"]  # Large was false: no Approve task


def test_another_start_point_and_a_point_waiting_for_all_its_tasks(app):
    ref = new_process(app, 100000)
    assert start(app, ref, "Urgent").status_code == 200
    first, second = tasks(app, ref)
    assert {first["RoutePoint"], second["RoutePoint"]} == {"Approve"}
    assert second["Description"] == "Second approval"
    assert execute(app, first).status_code == 200
    assert process(app, ref)["Completed"] is False  # the second task is still open
    assert execute(app, second).status_code == 200
    assert process(app, ref)["Completed"] is True


def test_a_task_outside_any_process_is_only_marked_executed(app):
    created = call(app, f"{TASK}?$format=json", "POST", {"Description": "by hand", "Executed": True})
    assert created.status_code == 201 and created.json["Executed"] is False  # set by the route only
    assert execute(app, created.json).status_code == 200
    assert get(app, f"{TASK}(guid'{created.json['Ref_Key']}')")["Executed"] is True


def test_bad_inputs_are_4xx_and_change_nothing(app):
    ref = new_process(app, 5000)
    assert_odata_error(start(app, ref, "Nowhere"), 400, 21)
    assert_odata_error(start(app, ref, "Check"), 400, 21)  # a point, but not a start point
    assert_odata_error(act(app, f"{PROCESS}(guid'{ref}')/Start?RoutePoint=''"), 400, 21)
    assert process(app, ref)["Started"] is False and tasks(app, ref) == []
    assert_odata_error(act(app, f"{PROCESS}(guid'{ref}')/Start(RoutePoint='Start')"), 400, 6)
    missing = "00000000-0000-0000-0000-00000000beef"
    assert_odata_error(start(app, missing), 404, 9)
    assert_odata_error(act(app, f"{TASK}(guid'{missing}')/ExecuteTask"), 404, 9)
    assert start(app, ref).status_code == 200
    version = process(app, ref)["DataVersion"]
    assert_odata_error(start(app, ref), 409, 2)  # already started
    [check] = tasks(app, ref)
    assert execute(app, check).status_code == 200
    assert_odata_error(execute(app, check), 409, 2)  # already executed
    assert len(tasks(app, ref)) == 2 and process(app, ref)["DataVersion"] == version
    # The actions are bound to their own kinds only.
    assert call(app, f"{TASK}(guid'{check['Ref_Key']}')/Start", "POST").status_code in (400, 404)
    assert call(app, f"{PROCESS}(guid'{ref}')/ExecuteTask", "POST").status_code in (400, 404)
    assert_odata_error(call(app, f"{PROCESS}(guid'{ref}')/Start"), 405, 19)  # GET of an action


def test_a_failing_handler_rolls_the_whole_start_back(app):
    ref = new_process(app, 666)
    message = assert_odata_error(start(app, ref), 500, -1)
    assert "666" in message
    assert process(app, ref)["Started"] is False and tasks(app, ref) == []


def test_start_and_execute_need_their_own_rights(app):
    ref = new_process(app, 10)
    assert_odata_error(start(app, ref, user="editor"), 401, 20)  # Insert/Update are not Start
    assert process(app, ref)["Started"] is False
    assert start(app, ref, user="performer").status_code == 200
    [check] = tasks(app, ref)
    assert_odata_error(execute(app, check, user="editor"), 401, 20)
    assert get(app, f"{TASK}(guid'{check['Ref_Key']}')")["Executed"] is False
    assert execute(app, check, user="performer").status_code == 200
    assert process(app, ref)["Completed"] is True


def test_rights_status_403_refuses_actions_with_403():
    conf = configuration()
    app = ODataMiddleware(None, conf, provider=MemoryProvider(build_model(conf)), prefix="t", events=EVENTS,
                          rights_status=403)
    created = call(app, f"{PROCESS}?$format=json", "POST", {"Amount": 1}, user="admin")
    assert_odata_error(start(app, created.json["Ref_Key"], user="editor"), 403, 20)


def test_a_condition_without_a_handler_is_an_error_with_nothing_changed():
    conf = configuration(users=False)
    app = ODataMiddleware(None, conf, provider=MemoryProvider(build_model(conf)), prefix="t",
                          allow_anonymous=True)  # no handlers at all
    ref = call(app, f"{PROCESS}?$format=json", "POST", {"Amount": 1}).json["Ref_Key"]
    assert start(app, ref).status_code == 200
    [check] = tasks(app, ref)
    message = assert_odata_error(execute(app, check), 500, -1)
    assert "Large" in message
    assert tasks(app, ref, open_only=True)[0]["Ref_Key"] == check["Ref_Key"]  # rolled back


@pytest.mark.parametrize("change, message", [
    ({"route": [{"name": "S", "kind": "start", "next": "X"}]}, "goes to unknown point X"),
    ({"route": [{"name": "S", "kind": "begin", "next": "X"}]}, "kind is one of"),
    ({"route": [{"name": "S", "kind": "start"}]}, "needs next"),
    ({"route": [{"name": "E", "kind": "end"}]}, "has no start point"),
    ({"route": [{"name": "S", "kind": "start", "next": "C"}, {"name": "C", "kind": "condition", "then": "S"}]},
     "needs then and otherwise"),
    ({"task": "Catalog_Users"}, "is not a task"),
    ({"route": [{"name": "S", "kind": "start", "next": "A"},
                {"name": "A", "kind": "activity", "next": "S", "addressing": {"Boss": 1}}]}, "addresses Boss"),
    ({"route": [{"name": "S", "kind": "start", "next": "S", "nxt": 1}]}, "unknown key 'nxt'"),
    ({"task": "", "route": [{"name": "S", "kind": "start", "next": "A"},
                            {"name": "A", "kind": "activity", "next": "S"}]}, "needs a task"),
])
def test_a_wrong_route_is_a_configuration_error(change, message):
    process = {"kind": "BusinessProcess", "name": "P", "task": "Task_T", **change}
    with pytest.raises(ConfigurationError, match=message):
        Configuration.from_dict({"name": "t", "objects": [
            {"kind": "Catalog", "name": "Users"},
            {"kind": "Task", "name": "T", "addressing": [{"name": "Role", "type": "String(5)"}]}, process]})



# ---- the sample: approval of large orders (samples/trade) ---------------------------------------

SAMPLE_PROCESS, SAMPLE_TASK = "BusinessProcess_OrderApproval", "Task_OrderApprovalTask"


def sample_call(app, path: str, method: str = "GET", body=None, user: str = "admin"):
    request = Request.blank("/trade/odata/standard.odata/" + path, method=method)
    request.headers["Authorization"] = basic(user, user)
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def sample_route(app, amount, user: str) -> list[tuple[str, str]]:
    """Start an approval of ``amount`` and execute its tasks as ``user``: the (point, role) of each."""
    created = sample_call(app, f"{SAMPLE_PROCESS}?$format=json", "POST", {"Amount": amount}, user)
    assert created.status_code == 201, created.body[:300]
    ref = created.json["Ref_Key"]
    assert sample_call(app, f"{SAMPLE_PROCESS}(guid'{ref}')/Start", "POST", user=user).status_code == 200
    seen = []
    mine = f"BusinessProcess eq cast(guid'{ref}', 'StandardODATA.{SAMPLE_PROCESS}') and Executed eq false"
    while True:
        open_tasks = sample_call(app, f"{SAMPLE_TASK}?$format=json&$filter={mine}", user=user).json["value"]
        if not open_tasks:
            break
        [task] = open_tasks
        seen.append((task["RoutePoint"], task["PerformerRole"]))
        path = f"{SAMPLE_TASK}(guid'{task['Ref_Key']}')/ExecuteTask"
        assert sample_call(app, path, "POST", user=user).status_code == 200
    assert sample_call(app, f"{SAMPLE_PROCESS}(guid'{ref}')?$format=json", user=user).json["Completed"] is True
    return seen


def test_the_sample_asks_the_director_for_large_orders_only(sample_app):
    assert sample_route(sample_app, 100000, "manager") == [("ManagerApproval", "SalesManager"),
                                                           ("DirectorApproval", "Director")]
    assert sample_route(sample_app, 99999.99, "manager") == [("ManagerApproval", "SalesManager")]


def test_the_sample_viewer_may_not_start(sample_app):
    created = sample_call(sample_app, f"{SAMPLE_PROCESS}?$format=json", "POST", {"Amount": 1})
    response = sample_call(sample_app, f"{SAMPLE_PROCESS}(guid'{created.json['Ref_Key']}')/Start", "POST",
                           user="viewer")
    assert_odata_error(response, 401, 20)
