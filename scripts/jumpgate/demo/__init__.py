"""The newcomer's journey on the emulator and synthetic organizations of any size. May import
every step and the emulator's control module.
"""
