from governance.models import Department, Employee


def test_smoke(api, db):
    r = api.post_json(
        "/api/v1/employees/bulk/",
        {
            "departments": [{"code": "ENG", "name": "Eng"}, {"code": "PLAT", "name": "Plat", "parent": "ENG"}],
            "employees": [
                {"external_id": "E2", "email": "b@x.test", "full_name": "B", "manager": "E1", "department": "PLAT"},
                {"external_id": "E1", "email": "a@x.test", "full_name": "A", "department": "ENG"},
            ],
        },
    )
    print(r.status_code, r.json())
    assert r.status_code == 200
    e2 = Employee.objects.get(external_id="E2")
    print(e2.reporting_path, Department.objects.get(code="PLAT").path)
    r = api.get("/api/v1/employees/")
    print(r.json())
    r = api.get("/api/v1/employees/E2/compliance/")
    print(r.json())
    r = api.get("/api/v1/compliance/summary/")
    print(r.json())
    r = api.get("/api/v1/nothing/")
    print(r.status_code, r["Content-Type"], r.json())
