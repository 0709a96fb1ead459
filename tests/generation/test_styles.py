"""Styles: versions are immutable and hashed, samples are queued, the recipe stays private."""

import pytest

from core.errors import ApplicationError, PermissionDeniedError
from generation.models import GenerationJob, ImmutableStyleVersion, StyleVersion
from generation.services.styles import (
    StyleRecipe,
    style_create,
    style_params_sha256,
    style_publish_version,
    style_withdraw,
)
from tests.generation.factories import split_recipe
from tests.provenance.fixtures import provenance_settings  # noqa: F401

pytestmark = pytest.mark.django_db
SECRET = "{prompt}, secretsauce ultramarine impasto"


def make(creator, **kw):
    values = {
        "title": "Impasto",
        "description": "Thick paint.",
        "price_amount": 700,
        "prompt_template": SECRET,
        "negative_prompt": "hiddenneg",
        "width": 256,
        "height": 256,
        "steps": 2,
        "engine": "embedded",
        "sample_prompts": ["a pear", "a jug"],
    }
    values.update(kw)
    return style_create(creator=creator, **split_recipe(values))


def test_create_publishes_version_one_with_hash_and_queues_samples(creator):
    style = make(creator)
    version = style.current_version
    assert style.status == "published" and version.number == 1
    assert version.params_sha256 == style_params_sha256(version.params())
    assert len(version.params_sha256) == 64
    samples = GenerationJob.objects.filter(owner=creator, style_version=version)
    assert sorted(samples.values_list("prompt", flat=True)) == ["a jug", "a pear"]
    assert [e.to_status for e in style.events.all()] == ["draft", "published"]


def test_editing_creates_a_new_immutable_version(creator):
    style = make(creator)
    v1 = style.current_version
    v2 = style_publish_version(
        style=style,
        actor=creator,
        recipe=StyleRecipe(
            prompt_template="{prompt}, pastel", width=256, height=256, steps=2, engine="embedded"
        ),
    )
    assert (v2.number, style.current_version) == (2, v2)
    assert v2.params_sha256 != v1.params_sha256
    v1.prompt_template = "changed {prompt}"
    with pytest.raises(ImmutableStyleVersion):
        v1.save()
    assert StyleVersion.objects.get(pk=v1.pk).prompt_template == SECRET


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"prompt_template": "no slot"}, "exactly one"),
        ({"prompt_template": "{prompt} {prompt}"}, "exactly one"),
        ({"width": 100, "height": 100}, "not supported"),
        ({"tier_code": "exclusive"}, "exclusive"),
    ],
)
def test_bad_recipe_is_refused(creator, kw, message):
    with pytest.raises(ApplicationError, match=message):
        make(creator, **kw)


def test_only_creators_and_owners(buyer, creator):
    with pytest.raises(PermissionDeniedError):
        make(buyer)
    style = make(creator)
    with pytest.raises(PermissionDeniedError):
        style_withdraw(style=style, actor=buyer)


def test_styled_job_composes_prompt_only_for_the_engine(creator, buyer):
    from generation.services.batch import engine_prompts
    from generation.services.jobs import JobSpec, job_create

    version = make(creator).current_version
    job = job_create(
        owner=buyer,
        spec=JobSpec(
            prompt="a cat", negative_prompt="dogs", width=1, height=1, style_version=version
        ),
    )
    assert (job.prompt, job.negative_prompt, job.width, job.steps) == ("a cat", "dogs", 256, 2)
    assert engine_prompts(job) == (
        "a cat, secretsauce ultramarine impasto",
        "hiddenneg, dogs",
    )


def test_no_public_page_leaks_the_recipe(client, creator, buyer):
    style = make(creator)
    from commissions.services.instant import commission_instant_create
    from tests.commissions.factories import pay

    commission, order = commission_instant_create(buyer=buyer, style=style, prompt="a cat")
    pay(order)
    commission.refresh_from_db()
    pages = ["/styles/", f"/styles/{style.pk}/"]
    for page in pages:
        assert "secretsauce" not in client.get(page).content.decode()
    client.force_login(buyer)
    pages += [
        f"/styles/{style.pk}/commission/",
        f"/commissions/{commission.pk}/",
        f"/jobs/{commission.job_id}/",
        f"/api/jobs/{commission.job_id}/",
        f"/orders/{order.pk}/",
        "/commissions/",
    ]
    for page in pages:
        body = client.get(page).content.decode()
        assert "secretsauce" not in body and "hiddenneg" not in body, page
    assert client.get(f"/styles/{style.pk}/manage/").status_code == 404
    client.force_login(creator)
    assert "secretsauce" in client.get(f"/styles/{style.pk}/manage/").content.decode()


def test_style_views_create_and_withdraw(client, creator):
    client.force_login(creator)
    response = client.post(
        "/styles/new/",
        {
            "title": "Neon",
            "price": "4.00",
            "tier_code": "standard",
            "prompt_template": "{prompt}, neon",
            "size": "256x256",
            "steps": "2",
        },
    )
    style = creator.styles.get()
    assert response.status_code == 302 and style.price_amount == 400
    client.post(f"/styles/{style.pk}/withdraw/")
    style.refresh_from_db()
    assert style.status == "withdrawn"
    assert "withdrawn" in client.get(f"/styles/{style.pk}/").content.decode()
