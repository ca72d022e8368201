"""The local AWS emulator for local runs and tests: moto on 127.0.0.1 plus the adapter that closes
moto's gaps, loaded only into the emulator process. Needs the `emulator` extra (moto). Imports
nothing of jumpgate outside this package.
"""
