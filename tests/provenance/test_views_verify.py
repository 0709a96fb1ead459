import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image, ImageOps

from generation.engines.embedded.engine import EmbeddedEngine
from licensing.services.grants import licence_grant_issue, licence_offers_set
from provenance.models import KeypointLookup, LedgerKind
from provenance.selectors.edits import provenance_edit_chain
from provenance.services.ledger import ledger_append
from provenance.services.lookups import keypoint_lookup_run
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing
from tests.provenance.factories import art, edited_piece, stamped_piece

pytestmark = pytest.mark.django_db


def upload(image: Image.Image, fmt: str = "JPEG", name: str = "check.jpg", **options):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_verify_page_shows_record_ledger_and_disclosure(client, creator, buyer):
    piece, record, _ = stamped_piece(owner=creator, seed=41)
    ledger_append(piece=piece, kind=LedgerKind.LICENSED, actor=buyer, data={"tier": "standard"})

    response = client.get(reverse("provenance:verify_piece", args=[piece.id]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "AI-generated image." in body
    assert creator.public_name in body
    assert record.sha256 in body
    assert record.c2pa_manifest_id in body
    assert '<strong class="c2pa-state">Trusted</strong>' in body
    assert "Created" in body and "Licensed" in body
    assert "The creator keeps the prompt private." in body
    assert record.prompt not in body
    assert record.negative_prompt not in body


def test_verify_page_shows_a_public_prompt(client, creator):
    piece, record, _ = stamped_piece(owner=creator, seed=42, prompt_public=True)
    response = client.get(reverse("provenance:verify_piece", args=[piece.id]))
    assert record.prompt in response.content.decode()


def test_verify_page_for_unknown_piece_is_404(client):
    response = client.get("/verify/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404


def test_upload_identifies_a_reencoded_copy_by_watermark(client, creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=43)
    copy = Image.open(io.BytesIO(stamped.original_png)).resize((400, 400))

    response = client.post(reverse("provenance:verify"), {"image": upload(copy, quality=80)})

    assert response.status_code == 200
    result = response.context["result"]
    assert result.watermark_record.piece_id == piece.id
    assert result.watermark_exact
    assert [r.piece_id for r, _ in result.phash_matches] == [piece.id]
    assert f"/verify/{piece.id}/" in response.content.decode()


def test_upload_of_signed_original_reports_its_manifest(client, creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=44)
    file = SimpleUploadedFile("p.png", stamped.original_png, content_type="image/png")

    response = client.post(reverse("provenance:verify"), {"image": file})

    assert response.context["manifest"].state == "Valid"
    assert response.context["manifest"].assertion["piece_id"] == str(piece.id)


def test_unknown_image_is_not_identified(client, creator):
    stamped_piece(owner=creator, seed=45)
    response = client.post(reverse("provenance:verify"), {"image": upload(art(123))})
    assert response.status_code == 200
    assert not response.context["result"].found
    assert "No Promptfolio watermark was found" in response.content.decode()


def test_upload_is_bounded_and_validated(client, settings):
    settings.PROVENANCE_VERIFY_MAX_BYTES = 1000
    response = client.post(reverse("provenance:verify"), {"image": upload(art(1), "PNG")})
    assert response.status_code == 400
    assert response.context["result"] is None
    assert "limit" in response.content.decode()

    settings.PROVENANCE_VERIFY_MAX_BYTES = 5_000_000
    bogus = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = client.post(reverse("provenance:verify"), {"image": bogus})
    assert response.status_code == 400
    assert "not an image we can read" in response.content.decode()


def test_lookup_form_renders(client):
    response = client.get(reverse("provenance:verify"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_verify_page_shows_a_two_level_edit_chain(client, creator):
    original, _, _ = stamped_piece(owner=creator, seed=44)
    upscaled, _, _ = edited_piece(parent=original, kind="upscale", human=("parent",), upscale=2)
    inpainted, record, _ = edited_piece(parent=upscaled, seed=45)

    response = client.get(reverse("provenance:verify_piece", args=[inpainted.id]))

    body = response.content.decode()
    steps = response.context["chain"].steps
    assert [(step.piece_id, step.kind) for step in steps] == [
        (inpainted.id, "Inpainting"),
        (upscaled.id, "Upscale"),
        (original.id, "Generated"),
    ]
    assert not response.context["chain"].truncated
    assert "AI-edited image." in body
    assert "<code>compositeWithTrainedAlgorithmicMedia</code>" in body
    for piece in (inpainted, upscaled, original):
        assert f'href="/verify/{piece.id}/"' in body
    assert 'aria-current="page">This piece</a>' in body
    assert response.context["contribution"] == (
        "A person chose the piece to start from and painted the mask of what to change; "
        "the model repainted the masked area."
    )
    assert response.context["contribution"] in body


def test_the_edit_chain_costs_one_query_per_parent(creator, django_assert_num_queries):
    original, _, _ = stamped_piece(owner=creator, seed=50)
    child, _, _ = edited_piece(parent=original)
    _, record, _ = edited_piece(parent=child, kind="variation", human=("parent",), seed=51)

    with django_assert_num_queries(2):
        chain = provenance_edit_chain(record=record)

    assert len(chain.steps) == 3


def test_verify_page_of_an_upscale_says_what_the_model_did(client, creator):
    original, _, _ = stamped_piece(owner=creator, seed=46)
    upscaled, _, _ = edited_piece(parent=original, kind="upscale", human=("parent",), upscale=4)

    response = client.get(reverse("provenance:verify_piece", args=[upscaled.id]))

    assert response.context["contribution"] == (
        "A person chose the piece to start from; the model enlarged it 4×."
    )
    assert "<code>trainedAlgorithmicMedia</code>" in response.content.decode()


def test_verify_page_of_a_generation_has_no_edit_history(client, creator):
    piece, _, _ = stamped_piece(owner=creator, seed=47)

    body = client.get(reverse("provenance:verify_piece", args=[piece.id])).content.decode()

    assert "Edit history" not in body
    assert "AI-generated image." in body


def test_upload_shows_the_ingredient_chain_from_the_files_manifest(client, creator):
    original, _, _ = stamped_piece(owner=creator, seed=48)
    child, _, _ = edited_piece(parent=original)
    _, _, stamped = edited_piece(parent=child, kind="variation", human=("parent",), seed=49)
    file = SimpleUploadedFile("edit.png", stamped.original_png, content_type="image/png")

    response = client.post(reverse("provenance:verify"), {"image": file})

    assert response.status_code == 200
    chain = response.context["manifest"].chain
    assert [link.piece_id for link in chain] == [str(child.id), str(original.id)]
    body = response.content.decode()
    assert "Edited from" in body
    assert f'<a href="/verify/{child.id}/">Promptfolio piece {child.id}</a>' in body
    assert f'<a href="/verify/{original.id}/">Promptfolio piece {original.id}</a>' in body


def _bogus_upload():
    return SimpleUploadedFile("x.png", b"not an image", content_type="image/png")


def test_verify_uploads_are_limited_per_client_address_with_a_429_page(client, settings):
    settings.VERIFY_RATE_LIMIT_PER_CLIENT = 2
    settings.VERIFY_RATE_LIMIT_SECONDS = 60
    url = reverse("provenance:verify")

    answers = [client.post(url, {"image": _bogus_upload()}).status_code for _ in range(2)]
    refused = client.post(url, {"image": _bogus_upload()})
    elsewhere = client.post(url, {"image": _bogus_upload()}, REMOTE_ADDR="10.9.8.7")

    assert answers == [400, 400]  # counted even when the upload is refused as a bad image
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert (
        "Too many image checks from this address: the limit is 2 every 60 seconds."
        in refused.content.decode()
    )
    assert elsewhere.status_code == 400
    assert client.get(url).status_code == 200  # viewing the form is never limited


def test_a_signed_in_person_is_limited_across_addresses(client, settings, buyer):
    settings.VERIFY_RATE_LIMIT_PER_CLIENT = 100
    settings.VERIFY_RATE_LIMIT_PER_USER = 1
    client.force_login(buyer)
    url = reverse("provenance:verify")

    first = client.post(url, {"image": _bogus_upload()}, REMOTE_ADDR="10.0.0.1")
    second = client.post(url, {"image": _bogus_upload()}, REMOTE_ADDR="10.0.0.2")

    assert first.status_code == 400
    assert second.status_code == 429
    assert (
        "Too many image checks from your account: the limit is 1 every" in second.content.decode()
    )


def test_the_client_limit_reads_the_address_behind_the_trusted_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.VERIFY_RATE_LIMIT_PER_CLIENT = 1
    url = reverse("provenance:verify")

    def post(forwarded):
        return client.post(url, {"image": _bogus_upload()}, HTTP_X_FORWARDED_FOR=forwarded)

    assert post("203.0.113.5").status_code == 400
    assert post("198.51.100.9, 203.0.113.5").status_code == 429  # forged prefix ignored
    assert post("203.0.113.6").status_code == 400


def test_verify_page_shows_the_model_card_from_the_signed_manifest(client, creator):
    facts = EmbeddedEngine(use_embedding=False).describe()
    card = facts["model_card"]
    piece, _, _ = stamped_piece(owner=creator, seed=47, engine=facts)
    plain, _, _ = stamped_piece(owner=creator, seed=48)  # an engine that gave no card

    body = client.get(reverse("provenance:verify_piece", args=[piece.id])).content.decode()
    without = client.get(reverse("provenance:verify_piece", args=[plain.id])).content.decode()

    assert 'id="model-card-heading"' in body
    for value in (card["name"], card["weights_origin"], card["limitations"][0]):
        assert escape(value) in body
    assert 'id="model-card-heading"' not in without


def test_verify_page_counts_active_licences_and_says_exclusive_without_naming_buyers(
    client, tiers, creator
):
    listing = published_listing(creator, title="Harbour lights")
    licence_offers_set(listing=listing, actor=creator, offers={"standard": 1500, "exclusive": 9000})
    piece = listing.listing_pieces.get().piece
    url = reverse("provenance:verify_piece", args=[piece.pk])
    buyers = [UserFactory(display_name=f"Private Buyer {i}") for i in range(3)]

    def standing() -> tuple[str, str]:
        body = client.get(url).content.decode()
        assert not any(b.display_name in body or b.email in body for b in buyers)
        active = body.split('class="active-licences">')[1].split("<")[0]
        exclusive = body.split('class="exclusive-standing">')[1].split(":")[0].split("<")[0]
        return active, exclusive

    assert standing() == ("0", "No")
    for buyer in buyers[:2]:
        line = paid_line(listing=listing, buyer=buyer, tier_code="standard", amount=1500)
        licence_grant_issue(order_line=line, licensee=buyer)
    assert standing() == ("2", "No")
    line = paid_line(listing=listing, buyer=buyers[2], tier_code="exclusive", amount=9000)
    licence_grant_issue(order_line=line, licensee=buyers[2])
    assert standing() == ("3", "Yes")


def test_a_mirrored_crop_is_found_by_keypoints_and_says_so_with_confidence(client, creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=61)
    original = Image.open(io.BytesIO(stamped.original_png)).convert("RGB")
    copy = ImageOps.mirror(original.crop((0, 0, 400, 400))).rotate(6, expand=True)

    response = client.post(reverse("provenance:verify"), {"image": upload(copy, quality=60)})

    assert response.status_code == 200
    search = response.context["keypoint_search"]
    poll = reverse("provenance:verify_keypoints", args=[search.lookup.token])
    assert not search.done and f'hx-get="{poll}"' in response.content.decode()
    assert keypoint_lookup_run(token=search.lookup.token)  # what the lookup worker does

    fragment = client.get(poll, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    (match,) = fragment.context["found"].matches
    assert match.record.piece_id == piece.id and match.confidence >= 0.5
    assert 'data-signal="keypoints"' in body and "hx-get" not in body  # polling stops
    assert f"{round(match.confidence * 100)}%" in body
    recovered = fragment.context["recovered"]  # the copy had no manifest and no readable mark
    assert (recovered.record.piece_id, recovered.matched_by) == (piece.id, "keypoints")
    assert "its keypoints identify" in body
    page = client.get(poll)  # without JavaScript: a page of its own
    assert "<html" in page.content.decode() and page.context["found"].matches == [match]


def test_the_keypoint_search_keeps_no_picture_and_an_expired_lookup_is_a_404(client, creator):
    stamped_piece(owner=creator, seed=63)
    response = client.post(reverse("provenance:verify"), {"image": upload(art(64))})
    lookup = response.context["keypoint_search"].lookup
    assert len(KeypointLookup.objects.get(pk=lookup.pk).query) > 0
    keypoint_lookup_run(token=lookup.token)
    row = KeypointLookup.objects.get(pk=lookup.pk)
    assert bytes(row.query) == b"" and row.results == [] and row.finished_at is not None
    assert not keypoint_lookup_run(token=lookup.token)  # a repeated wake-up changes nothing

    poll = reverse("provenance:verify_keypoints", args=[lookup.token])
    assert "No piece shares enough keypoints" in client.get(poll).content.decode()
    row.delete()
    gone = client.get(poll)
    assert gone.status_code == 404 and "upload the image again" in gone.content.decode()


def test_an_exact_watermark_needs_no_keypoint_search(client, creator):
    _, _, stamped = stamped_piece(owner=creator, seed=65)
    original = Image.open(io.BytesIO(stamped.original_png))
    response = client.post(reverse("provenance:verify"), {"image": upload(original)})
    assert response.context["result"].watermark_exact
    assert response.context["keypoint_search"] is None and not KeypointLookup.objects.exists()


def test_several_matching_pieces_are_all_listed_surest_first(client, creator):
    image = art(62)
    first, _, _ = stamped_piece(owner=creator, image=image)
    second, _, _ = stamped_piece(owner=creator, image=image.copy())  # a creator's duplicate

    response = client.post(reverse("provenance:verify"), {"image": upload(image)})

    matches = response.context["result"].matches
    assert {m.record.piece_id for m in matches} >= {first.id, second.id}
    assert [m.confidence for m in matches] == sorted((m.confidence for m in matches), reverse=True)
    assert f"This image matches {len(matches)} pieces" in response.content.decode()


def test_tiny_and_flat_images_get_a_clear_answer(client):
    tiny = client.post(reverse("provenance:verify"), {"image": upload(art(1).resize((20, 40)))})
    assert tiny.status_code == 400
    assert "too small to fingerprint" in tiny.content.decode()

    flat = client.post(
        reverse("provenance:verify"), {"image": upload(Image.new("RGB", (300, 300), "teal"), "PNG")}
    )
    assert flat.status_code == 200 and flat.context["result"] is None
    assert "single flat colour" in flat.content.decode()
