"""Test utility: reads DICOM files written by the studio with pydicom and prints, as JSON, the
attributes the synthetic-export tests check (syntheticFiles.test.ts), plus the pixel values.
Usage: python3 pydicom_read.py file.dcm [file.dcm ...]"""
import json
import sys

import pydicom


def describe(path):
    ds = pydicom.dcmread(path)  # strict enough: fails on a missing preamble or file meta
    pixels = ds.pixel_array
    return {
        "version": pydicom.__version__,
        "transferSyntax": str(ds.file_meta.TransferSyntaxUID),
        "mediaStorageSopClass": str(ds.file_meta.MediaStorageSOPClassUID),
        "mediaStorageSopInstance": str(ds.file_meta.MediaStorageSOPInstanceUID),
        "sopClass": str(ds.SOPClassUID),
        "sopInstance": str(ds.SOPInstanceUID),
        "study": str(ds.StudyInstanceUID),
        "series": str(ds.SeriesInstanceUID),
        "conversionType": str(ds[0x0008, 0x0064].value),
        "imageType": list(ds.ImageType),
        "seriesDescription": str(ds.SeriesDescription),
        "burnedInAnnotation": str(ds.BurnedInAnnotation),
        "derivationDescription": str(ds.DerivationDescription),
        "imageComments": str(ds.get("ImageComments", "")),
        "manufacturer": str(ds.Manufacturer),
        "softwareVersions": str(ds.SoftwareVersions),
        "patientName": str(ds.PatientName),
        "patientId": str(ds.PatientID),
        "photometric": str(ds.PhotometricInterpretation),
        "shape": list(pixels.shape),
        "pixels": [int(v) for v in pixels.reshape(-1)],
    }


print(json.dumps([describe(p) for p in sys.argv[1:]]))
