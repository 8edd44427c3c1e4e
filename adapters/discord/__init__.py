"""Paperboy on Discord: discord.py client, payload translation, embeds and the ChatPort."""
