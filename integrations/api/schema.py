"""The OpenAPI schema class: every operation documents the problem-details errors it can
answer, and views that declare no scopes (the read-only catalog) say what a key needs."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from integrations.api.permissions import DEFAULT_READ_SCOPE

COMMON_ERRORS = ("400", "401", "403", "404", "429")


class ProblemAutoSchema(AutoSchema):
    def get_description(self):
        description = super().get_description()
        if not hasattr(self.view, "read_scope"):
            note = f"Scope `{DEFAULT_READ_SCOPE}`. Every signed-in person may read it."
            return f"{note}\n\n{description}" if description else note
        return description

    def _get_response_bodies(self, direction="response"):
        from integrations.api.examples import ProblemSerializer

        responses = super()._get_response_bodies(direction)
        problem = OpenApiResponse(response=ProblemSerializer, description="Problem details (RFC 9457).")
        for code in COMMON_ERRORS:
            if code not in responses:
                responses[code] = self._get_response_for_code(problem, code, media_types=["application/problem+json"])
        return responses
