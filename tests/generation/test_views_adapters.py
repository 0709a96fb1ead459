"""The style version form's adapters field: uploads reach the service, errors are shown."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generation.services.adapters import EMBEDDED_REFUSAL
from tests.generation.adapter_files import styled, write_lora

pytestmark = pytest.mark.django_db


def post_version(client, style, *files, scale="1"):
    data = {
        "prompt_template": "{prompt}, chalk",
        "size": "256x256",
        "steps": "2",
        "adapter_scale": scale,
        "adapters": list(files),
    }
    return client.post(f"/styles/{style.pk}/manage/", data)


def test_a_new_version_with_adapters_from_the_form(
    client, creator, settings, lora_engine, tmp_path
):
    settings.GENERATION_DEFAULT_ENGINE = "lora"
    style = styled(creator)
    client.force_login(creator)
    page = client.get(f"/styles/{style.pk}/manage/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'accept=".safetensors"' in page
    data = write_lora(tmp_path / "chalk.safetensors", lora_engine).read_bytes()

    response = post_version(
        client, style, SimpleUploadedFile("chalk.safetensors", data), scale="0.7"
    )

    assert response.status_code == 302
    version = style.current_version
    adapter = version.adapters.get()
    assert (version.number, adapter.scale) == (2, 0.7)
    page = client.get(f"/styles/{style.pk}/manage/").content.decode()
    assert f"chalk.safetensors ×0.7 <code>{adapter.sha256[:13]}…</code>" in page
    public = client.get(f"/styles/{style.pk}/").content.decode()
    assert "chalk" not in public and adapter.sha256[:13] not in public


def test_adapter_errors_are_shown_on_the_field(client, creator, settings, lora_engine):
    settings.GENERATION_DEFAULT_ENGINE = "lora"
    style = styled(creator)
    client.force_login(creator)
    bad = post_version(client, style, SimpleUploadedFile("ink.ckpt", b"\x80\x04junk"))
    assert bad.status_code == 400
    assert "ink.ckpt: only .safetensors files are accepted" in bad.content.decode()
    renamed = post_version(client, style, SimpleUploadedFile("ink.safetensors", b"\x80\x04junk"))
    assert "ink.safetensors is a pickle" in renamed.content.decode()
    assert style.versions.count() == 1


def test_the_embedded_engine_refuses_adapters_in_the_form(client, creator, lora_engine, tmp_path):
    style = styled(creator, engine="embedded")
    client.force_login(creator)
    data = write_lora(tmp_path / "chalk.safetensors", lora_engine).read_bytes()
    response = post_version(client, style, SimpleUploadedFile("chalk.safetensors", data))
    assert response.status_code == 400
    assert EMBEDDED_REFUSAL.replace("'", "&#x27;") in response.content.decode()
