"""The default backend: an index folder of complete versions on disk (FAISS + bm25s).

layout.py    the folder's layout, its names, and reading and writing a version's lines and manifest
digests.py   each file of a version held against the digest its manifest records
versions.py  making a version the one in use, going back to the one before, pruning
lock.py      the build lock: one writer at a time
reader.py    reading one version's files, for searching and for the next build
store.py     FileStore: the above behind `VersionStore`
"""
