"""The example app (bin/example-app.ts) written against the Python package, as a Python user would.

  python app.py synth OUTDIR    the example stacks into OUTDIR; prints the library's constants as JSON
  python app.py input-error     an existing MinIO without credentials: fails with the library's message
"""
import json
import sys

from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2
from cdk_alluxio_minio import AlluxioMasters, AlluxioMinio, AlluxioOptions, AlluxioWorkers, MinioBackend, MinioCredentials


def synth(outdir: str) -> None:
    app = App(outdir=outdir)

    provisioned = Stack(
        app,
        "AlluxioMinioProvisioned",
        description="Alluxio on ECS with a provisioned MinIO (cdk-alluxio-minio example)",
    )
    AlluxioMinio(provisioned, "Cache", minio=MinioBackend.provisioned())

    existing = Stack(
        app,
        "AlluxioMinioExisting",
        description="Alluxio on ECS against an existing MinIO endpoint (cdk-alluxio-minio example)",
    )
    AlluxioMinio(
        existing,
        "Cache",
        minio=MinioBackend.existing(endpoint="http://10.0.12.7:9000", bucket="datalake", directory="alluxio"),
        credentials=MinioCredentials.from_parameters("/team/minio/access-key", "/team/minio/secret-key"),
    )

    nvme = Stack(
        app,
        "AlluxioMinioNvmeWorkers",
        description="Alluxio on ECS with workers on instance-store NVMe hosts (cdk-alluxio-minio example)",
    )
    AlluxioMinio(
        nvme,
        "Cache",
        minio=MinioBackend.existing(endpoint="http://10.0.12.7:9000", bucket="datalake", directory="alluxio"),
        credentials=MinioCredentials.from_parameters("/team/minio/access-key", "/team/minio/secret-key"),
        alluxio=AlluxioOptions(workers=AlluxioWorkers.ec2(instance_type=ec2.InstanceType("r5d.xlarge"), count=2)),
    )

    ha = Stack(
        app,
        "AlluxioMinioHaMasters",
        description="Alluxio on ECS with three highly available masters (cdk-alluxio-minio example)",
    )
    AlluxioMinio(
        ha,
        "Cache",
        minio=MinioBackend.existing(endpoint="http://10.0.12.7:9000", bucket="datalake", directory="alluxio"),
        credentials=MinioCredentials.from_parameters("/team/minio/access-key", "/team/minio/secret-key"),
        alluxio=AlluxioOptions(masters=AlluxioMasters.highly_available(count=3)),
    )

    app.synth()
    print(json.dumps({
        "defaultAlluxioVersion": AlluxioMinio.DEFAULT_ALLUXIO_VERSION,
        "defaultMinioImage": MinioBackend.DEFAULT_IMAGE_NAME,
    }))


def input_error() -> None:
    app = App()
    stack = Stack(app, "Stack")
    AlluxioMinio(stack, "Cache", minio=MinioBackend.existing(endpoint="http://10.0.12.7:9000", bucket="datalake"))


if __name__ == "__main__":
    if sys.argv[1:2] == ["synth"] and len(sys.argv) == 3:
        synth(sys.argv[2])
    elif sys.argv[1:] == ["input-error"]:
        input_error()
    else:
        sys.exit(__doc__)
