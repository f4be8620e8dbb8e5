"""Who is calling: tokens and scopes. (The identity issue replaces the development token.)"""
