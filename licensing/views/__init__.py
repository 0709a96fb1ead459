"""Licensing views: public provenance verification, licence certificates, creator offers."""
