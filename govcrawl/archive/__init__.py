"""The WARC archive: writing (warc.py), reading, and repairing files a killed writer left (repair.py)."""
from .repair import OPEN_SUFFIX, complete_prefix, repair_archive, repair_open_files
from .warc import ArchivedRecord, RecordLocation, ScanProblem, WarcArchive, iter_records, read_record

__all__ = ["ArchivedRecord", "OPEN_SUFFIX", "RecordLocation", "ScanProblem", "WarcArchive", "complete_prefix",
           "iter_records", "read_record", "repair_archive", "repair_open_files"]
