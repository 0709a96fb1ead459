"""Style versions with LoRA adapters: checked uploads, private files, batching, provenance."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from core.errors import ApplicationError
from generation.engines.adapters import AdapterIncompatible
from generation.models import GenerationJob, JobStatus, Piece, Style, StyleAdapter, StyleVersion
from generation.services.adapters import (
    EMBEDDED_REFUSAL,
    adapter_cache_dir,
    adapter_key,
)
from generation.services.batch import batch_run
from generation.services.jobs import JobSpec, job_create
from generation.services.styles import StyleRecipe, style_create, style_publish_version
from generation.services.worker import job_claim_batch
from provenance.models import LedgerEntry, ProvenanceRecord
from tests.factories import UserFactory
from tests.generation.adapter_files import needs_peft, styled, upload, write_lora, write_pickle
from tests.generation.doubles import ScriptedEngine
from tests.provenance.fixtures import provenance_settings  # noqa: F401

pytestmark = pytest.mark.django_db


def test_version_records_adapter_hashes_and_stores_the_file_privately(
    creator, lora_engine, tmp_path
):
    path = write_lora(tmp_path / "ink.safetensors", lora_engine)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    version = styled(creator, upload(path, scale=0.8)).current_version
    [adapter] = version.adapters.all()
    assert (adapter.name, adapter.sha256, adapter.size, adapter.scale) == (
        "ink.safetensors",
        sha,
        path.stat().st_size,
        0.8,
    )
    assert version.adapter_key == adapter_key([(sha, 0.8)]) != ""
    assert version.params()["adapter_key"] == version.adapter_key
    with storages["default"].open(adapter.file.name) as stored:
        assert stored.read() == path.read_bytes()
    assert not storages["previews"].exists(adapter.file.name)
    job = GenerationJob.objects.get(style_version=version)
    assert job.adapter_key == version.adapter_key
    assert version.style.events.last().message == "version 1 with 1 LoRA adapter(s)"


def test_a_version_without_adapters_keeps_its_hash_and_key(creator, lora_engine):
    version = styled(creator).current_version
    assert version.adapter_key == "" and "adapter_key" not in version.params()
    assert GenerationJob.objects.get(style_version=version).adapter_key == ""


def refused(creator, *adapters, engine="lora"):
    with pytest.raises(ApplicationError) as caught:
        styled(creator, *adapters, engine=engine)
    assert caught.value.field == "adapters"
    assert (Style.objects.count(), StyleVersion.objects.count()) == (0, 0)
    return caught.value.message


def test_pickles_oversized_and_misfitting_adapters_are_refused(creator, lora_engine, tmp_path):
    pickled = write_pickle(tmp_path / "p.ckpt")
    assert refused(creator, upload(pickled, "ink.safetensors")) == (
        "ink.safetensors is a pickle (.ckpt/.pt/.bin) file; only safetensors is accepted."
    )
    big = write_lora(tmp_path / "big.safetensors", lora_engine, rank=64)
    assert (
        refused(creator, upload(big))
        == "big.safetensors is 323 KiB; adapters may be at most 64 KiB."
    )
    wrong = write_lora(tmp_path / "wrong.safetensors", lora_engine, wrong_in=True)
    assert refused(creator, upload(wrong)).startswith(
        "wrong.safetensors does not fit lora: down_blocks.1.attentions.0."
    )
    good = write_lora(tmp_path / "good.safetensors", lora_engine)
    assert refused(creator, upload(good), upload(good, "again.safetensors")) == (
        "The same adapter file is attached twice."
    )


def test_an_adapter_strength_out_of_range_is_refused(creator, lora_engine, tmp_path):
    good = write_lora(tmp_path / "good.safetensors", lora_engine)
    with pytest.raises(ApplicationError, match="at most 2") as caught:
        styled(creator, upload(good, scale=2.5))
    assert caught.value.field == "adapter_scale" and StyleVersion.objects.count() == 0


def test_the_embedded_engine_refuses_adapters(creator, lora_engine, tmp_path):
    good = write_lora(tmp_path / "good.safetensors", lora_engine)
    assert refused(creator, upload(good), engine="embedded") == EMBEDDED_REFUSAL


def test_jobs_with_different_adapter_sets_never_share_a_batch(creator, lora_engine, tmp_path):
    ink = upload(write_lora(tmp_path / "ink.safetensors", lora_engine, seed=1))
    chalk = upload(write_lora(tmp_path / "chalk.safetensors", lora_engine, seed=2))
    first = styled(creator, ink, title="A").current_version
    other = styled(creator, chalk, title="B").current_version
    same = styled(creator, upload(tmp_path / "ink.safetensors"), title="C").current_version
    jobs = {v.pk: GenerationJob.objects.get(style_version=v).pk for v in (first, other, same)}

    batch = job_claim_batch(job_id=jobs[first.pk], worker="w1", max_images=8)
    assert {job.pk for job in batch} == {jobs[first.pk], jobs[same.pk]}
    assert [
        job.pk for job in job_claim_batch(job_id=jobs[other.pk], worker="w1", max_images=8)
    ] == [jobs[other.pk]]


def test_worker_hands_verified_local_adapters_and_provenance_lists_them(
    creator,
    lora_engine,
    tmp_path,
    provenance_settings,  # noqa: F811
):
    path = write_lora(tmp_path / "ink.safetensors", lora_engine)
    version = styled(creator, upload(path, scale=0.5)).current_version
    [adapter] = version.adapters.all()
    job = GenerationJob.objects.get(style_version=version)

    assert batch_run(job_id=job.pk, worker="w1").succeeded == 1

    [[request]] = ScriptedEngine.calls
    [ref] = request.adapters
    assert (ref.name, ref.sha256, ref.scale) == (adapter.name, adapter.sha256, 0.5)
    assert ref.path == str(adapter_cache_dir() / f"{adapter.sha256}.safetensors")
    assert Path(ref.path).read_bytes() == path.read_bytes()
    created = LedgerEntry.objects.get(piece=Piece.objects.get(job=job), kind="created")
    assert created.data["style"]["adapters"] == [adapter.sha256]
    assert created.data["style"]["params_sha256"] == version.params_sha256


def test_a_tampered_stored_adapter_fails_the_job_without_retry(creator, lora_engine, tmp_path):
    version = styled(
        creator, upload(write_lora(tmp_path / "i.safetensors", lora_engine))
    ).current_version
    [adapter] = version.adapters.all()
    name = adapter.file.name
    storages["default"].delete(name)
    storages["default"].save(name, ContentFile(b"not the adapter"))
    job = GenerationJob.objects.get(style_version=version)

    assert batch_run(job_id=job.pk, worker="w1").failed == 1

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and ScriptedEngine.calls == []
    assert job.error == (
        "The style's adapters could not be fetched: adapter i.safetensors's stored file does "
        "not match its sha256"
    )
    assert list(adapter_cache_dir().iterdir()) == []


def test_an_incompatible_adapter_fails_the_job_at_once(creator, lora_engine, tmp_path):
    version = styled(creator, upload(write_lora(tmp_path / "i.safetensors", lora_engine)))
    job = GenerationJob.objects.get(style_version=version.current_version)
    ScriptedEngine.fail_next = [
        AdapterIncompatible("adapter i.safetensors is incompatible with model tiny-sd: no fit")
    ]

    assert batch_run(job_id=job.pk, worker="w1").failed == 1

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert job.error == (
        "The engine rejected the request: adapter i.safetensors is incompatible with model "
        "tiny-sd: no fit"
    )


@needs_peft
def test_a_diffusers_worker_renders_a_style_with_its_adapter(
    creator,
    buyer,
    settings,
    lora_engine,
    tmp_path,
    provenance_settings,  # noqa: F811
):
    settings.GENERATION_ENGINES = {
        **settings.GENERATION_ENGINES,
        "tiny": {
            "class": "generation.engines.diffusers_engine.DiffusersEngine",
            "options": {"checkpoint": str(lora_engine), "sizes": ["256x256"], "device": "cpu"},
        },
    }
    lora = upload(write_lora(tmp_path / "ink.safetensors", lora_engine))
    versions = []
    for adapters in ((lora,), ()):
        recipe = StyleRecipe(
            prompt_template="{prompt}, ink",
            width=256,
            height=256,
            steps=2,
            engine="tiny",
            adapters=adapters,
        )
        style = style_create(
            creator=creator, title="Ink", price_amount=500, recipe=recipe, sample_prompts=["x"]
        )
        versions.append(style.current_version)
    GenerationJob.objects.all().delete()
    jobs = [
        job_create(owner=buyer, spec=JobSpec.in_style(v, prompt="a fox", seed=5)) for v in versions
    ]

    outcomes = [batch_run(job_id=job.pk, worker="w1") for job in jobs]

    assert [(o.jobs, o.succeeded) for o in outcomes] == [(1, 1), (1, 1)]
    styled_record, plain_record = (ProvenanceRecord.objects.get(job=job) for job in jobs)
    assert styled_record.output_sha256 != plain_record.output_sha256
    assert styled_record.style_params_sha256 == versions[0].params_sha256


def adapter_files(storage, style_id) -> list[str]:
    try:
        return storage.listdir(f"styles/adapters/{style_id}")[1]
    except FileNotFoundError:  # the local storage has no folder; S3 lists an empty prefix
        return []


def test_a_failed_publish_leaves_no_adapter_file_behind(
    creator, lora_engine, tmp_path, monkeypatch
):
    style = styled(creator)
    path = write_lora(tmp_path / "ink.safetensors", lora_engine)
    storage = storages["default"]

    def refuse(**_):
        raise ApplicationError("Your queue is full.")

    monkeypatch.setattr("generation.services.styles.job_create", refuse)
    recipe = StyleRecipe(
        prompt_template="{prompt}, ink",
        width=256,
        height=256,
        steps=2,
        engine="lora",
        adapters=(upload(path),),
    )
    with pytest.raises(ApplicationError, match="queue is full"):
        style_publish_version(style=style, actor=creator, recipe=recipe, sample_prompts=["a"])

    assert style.versions.count() == 1 and not StyleAdapter.objects.exists()
    assert adapter_files(storage, style.pk) == []


def test_a_failed_publish_keeps_the_file_an_earlier_version_uses(
    creator, lora_engine, tmp_path, monkeypatch
):
    path = write_lora(tmp_path / "ink.safetensors", lora_engine)
    style = styled(creator, upload(path))
    [kept] = StyleAdapter.objects.all()
    monkeypatch.setattr(
        "generation.services.styles.job_create",
        lambda **_: (_ for _ in ()).throw(ApplicationError("Your queue is full.")),
    )
    recipe = StyleRecipe(
        prompt_template="{prompt}, ink v2",
        width=256,
        height=256,
        steps=2,
        engine="lora",
        adapters=(upload(path),),
    )
    with pytest.raises(ApplicationError):
        style_publish_version(style=style, actor=creator, recipe=recipe, sample_prompts=["a"])

    with storages["default"].open(kept.file.name) as stored:
        assert stored.read() == path.read_bytes()


def test_staff_find_an_adapter_by_its_hash_in_the_admin_and_change_nothing(
    client, creator, lora_engine, tmp_path
):
    path = write_lora(tmp_path / "ink.safetensors", lora_engine)
    [adapter] = styled(creator, upload(path), title="Ink wash").current_version.adapters.all()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    found = client.get(
        reverse("admin:generation_styleadapter_changelist"), {"q": adapter.sha256[:20]}
    )
    detail = client.get(reverse("admin:generation_styleadapter_change", args=[adapter.pk]))

    assert found.status_code == 200 and "Ink wash" in found.content.decode()
    assert adapter.sha256[:12] in found.content.decode()
    assert detail.status_code == 200 and adapter.file.name in detail.content.decode()
    assert client.get(reverse("admin:generation_styleadapter_add")).status_code == 403
    deleted = client.post(reverse("admin:generation_styleadapter_delete", args=[adapter.pk]))
    assert deleted.status_code == 403 and StyleAdapter.objects.filter(pk=adapter.pk).exists()
