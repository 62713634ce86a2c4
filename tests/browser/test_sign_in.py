import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("email", "path", "heading"),
    [
        ("admin@demo.example", "/policies/", "Policies"),
        ("officer@demo.example", "/dashboard/", "Compliance dashboard"),
        ("manager@demo.example", "/team/", "My team"),
        ("employee@demo.example", "/me/", "My AI tools"),
    ],
)
def test_each_demo_role_signs_in_and_sees_its_home(demo, page, sign_in, email, path, heading):
    sign_in(email)
    assert page.url.endswith(path)
    assert page.get_by_role("heading", level=1).first.inner_text().startswith(heading)


def test_wrong_password_shows_an_error_in_the_browser(demo, page, sign_in):
    sign_in("employee@demo.example", password="not the password")
    assert page.url.endswith("/accounts/login/")
    assert page.get_by_text("do not match").is_visible()
