"""The load bench/load.py puts on gunicorn: employees attesting, officers reading dashboards, and
one governance admin publishing a version in the middle of it (locust, headless).

Not run on its own: bench/load.py prepares the organization, the accounts and their sessions,
writes the plan (``LOAD_PLAN``, a JSON file) and starts locust with this file. Every request
goes as a TLS-terminating proxy would send it (``X-Forwarded-Proto: https``), so the production
settings (secure requests, CSRF's referer check) apply as they do behind the real proxy.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|state)" value="([^"]*)"')
EMPLOYEES = itertools.cycle(PLAN["employees"])
OFFICERS = itertools.cycle(PLAN["officers"])


# While the admin's publish job runs, requests are counted under their own names, so that the
# figures of the steady state and of the time a large job holds its rows read apart.
PUBLISHING = {"now": False}


def during(name):
    return f"{name} (during the publish)" if PUBLISHING["now"] else name


class Signed(HttpUser):
    abstract = True
    host = PLAN["base_url"]

    def sign_in(self, account):
        self.account = account
        self.client.cookies.set("sessionid", account["session"])
        self.headers = {"X-Forwarded-Proto": "https", "Referer": PLAN["origin"] + "/"}

    def get(self, path, name, **kwargs):
        name = during(name)
        with self.client.get(path, headers=self.headers, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
            return response


class Employee(Signed):
    """Opens My AI tools, opens a tool's attest page and signs it (every required setting at its
    required value), then reads the receipt; a few seconds of reading between pages."""

    weight = PLAN["users"]
    wait_time = between(*PLAN["employee_wait"])

    def on_start(self):
        self.sign_in(next(EMPLOYEES))
        self.tools = itertools.cycle(self.account["obligations"])
        time.sleep(random.uniform(0, PLAN["employee_wait"][1]))  # people do not all arrive at once

    @task
    def attest(self):
        self.get("/me/", "/me/")
        tool = next(self.tools)
        path = f"/me/tools/{tool['id']}/"
        page = self.get(path, "/me/tools/<id>/")
        hidden = dict(HIDDEN.findall(page.text))
        if "csrfmiddlewaretoken" not in hidden:
            return  # the page failed, counted above
        form = {**tool["answers"], **hidden, "tool_used": "yes", "confirm": "on", "signature": self.account["name"]}
        headers = {**self.headers, "Referer": PLAN["origin"] + path}
        with self.client.post(
            path,
            data=form,
            headers=headers,
            name=during("POST /me/tools/<id>/"),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/me/records/" in response.headers.get("Location", ""):
                events.request.fire(
                    request_type="ATTEST", name="attestation recorded", response_time=0, response_length=0
                )
            elif response.status_code == 302:
                response.success()  # a double submit or a retired version: told, not an error
            elif response.status_code == 503 and response.headers.get("Retry-After"):
                # A job (the publish) held the rows: told at once to submit again, nothing stored.
                response.success()
                events.request.fire(
                    request_type="ATTEST", name="asked to submit again", response_time=0, response_length=0
                )
            else:
                response.failure(f"{response.status_code}: the attestation was not taken")


class Officer(Signed):
    """Reads the officers' dashboard, a department's and the people list."""

    weight = PLAN["officers_count"]
    wait_time = between(*PLAN["officer_wait"])

    def on_start(self):
        self.sign_in(next(OFFICERS))
        self.departments = itertools.cycle(PLAN["departments"])
        time.sleep(random.uniform(0, PLAN["officer_wait"][1]))

    @task(3)
    def dashboard(self):
        self.get("/dashboard/", "/dashboard/")

    @task(1)
    def department(self):
        self.get(f"/dashboard/?department={next(self.departments)}", "/dashboard/?department=<id>")

    @task(1)
    def people(self):
        self.get("/dashboard/people/?bucket=overdue", "/dashboard/people/")


class Admin(Signed):
    """Publishes the prepared draft once, ``publish_after`` seconds into the run, through the
    publish page, then watches the job's progress until it is done (recorded as 'publish job')."""

    fixed_count = 1
    wait_time = between(5, 5)

    def on_start(self):
        self.sign_in(PLAN["admin"])
        self.started = time.monotonic()
        self.done = False

    @task
    def publish(self):
        if self.done or PLAN["publish_after"] is None or time.monotonic() - self.started < PLAN["publish_after"]:
            return
        self.done = True
        path = f"/policies/versions/{PLAN['draft']}/publish/"
        page = self.get(path, "publish page")
        hidden = dict(HIDDEN.findall(page.text))
        began = time.monotonic()
        headers = {**self.headers, "Referer": PLAN["origin"] + path}
        response = self.client.post(path, data=hidden, headers=headers, name="POST publish", allow_redirects=False)
        job = response.headers.get("Location", "")
        if response.status_code != 302 or "/jobs/" not in job:
            events.request.fire(
                request_type="JOB",
                name="publish job",
                response_time=0,
                response_length=0,
                exception=RuntimeError(f"publish answered {response.status_code}"),
            )
            return
        deadline = began + PLAN["publish_timeout"]
        state = ""
        PUBLISHING["now"] = True
        while time.monotonic() < deadline:
            progress = self.client.get(job + "progress/", headers=self.headers, name="/jobs/<id>/progress/")
            state = progress.text
            if 'data-status="done"' in state or 'data-status="failed"' in state:
                break
            time.sleep(2)
        PUBLISHING["now"] = False
        failed = 'data-status="done"' not in state
        events.request.fire(
            request_type="JOB",
            name="publish job",
            response_time=(time.monotonic() - began) * 1000,
            response_length=0,
            exception=RuntimeError("the publish job did not complete") if failed else None,
        )
