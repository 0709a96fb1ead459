"""Marketplace: accounts, listings, orders, checkout and storefronts."""
