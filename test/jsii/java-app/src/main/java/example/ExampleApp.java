package example;

import io.github.cdkalluxiominio.AlluxioMasters;
import io.github.cdkalluxiominio.AlluxioMinio;
import io.github.cdkalluxiominio.AlluxioOptions;
import io.github.cdkalluxiominio.AlluxioWorkers;
import io.github.cdkalluxiominio.Ec2WorkersOptions;
import io.github.cdkalluxiominio.ExistingMinioOptions;
import io.github.cdkalluxiominio.HighlyAvailableMastersOptions;
import io.github.cdkalluxiominio.MinioBackend;
import io.github.cdkalluxiominio.MinioCredentials;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.InstanceType;

/**
 * The example app (bin/example-app.ts) written against the Java package, as a Java user would.
 *
 * <pre>
 *   java example.ExampleApp synth OUTDIR   the example stacks into OUTDIR; prints the library's constants as JSON
 *   java example.ExampleApp input-error    an existing MinIO without credentials: fails with the library's message
 * </pre>
 */
public final class ExampleApp {
    private ExampleApp() {
    }

    public static void main(final String[] args) {
        if (args.length == 2 && args[0].equals("synth")) {
            synth(args[1]);
        } else if (args.length == 1 && args[0].equals("input-error")) {
            inputError();
        } else {
            System.err.println("usage: ExampleApp synth OUTDIR | input-error");
            System.exit(2);
        }
    }

    private static void synth(final String outdir) {
        App app = new App(AppProps.builder().outdir(outdir).build());

        Stack provisioned = new Stack(app, "AlluxioMinioProvisioned", StackProps.builder()
                .description("Alluxio on ECS with a provisioned MinIO (cdk-alluxio-minio example)")
                .build());
        AlluxioMinio.Builder.create(provisioned, "Cache").minio(MinioBackend.provisioned()).build();

        Stack existing = new Stack(app, "AlluxioMinioExisting", StackProps.builder()
                .description("Alluxio on ECS against an existing MinIO endpoint (cdk-alluxio-minio example)")
                .build());
        AlluxioMinio.Builder.create(existing, "Cache")
                .minio(MinioBackend.existing(ExistingMinioOptions.builder()
                        .endpoint("http://10.0.12.7:9000")
                        .bucket("datalake")
                        .directory("alluxio")
                        .build()))
                .credentials(MinioCredentials.fromParameters("/team/minio/access-key", "/team/minio/secret-key"))
                .build();

        Stack nvme = new Stack(app, "AlluxioMinioNvmeWorkers", StackProps.builder()
                .description("Alluxio on ECS with workers on instance-store NVMe hosts (cdk-alluxio-minio example)")
                .build());
        AlluxioMinio.Builder.create(nvme, "Cache")
                .minio(MinioBackend.existing(ExistingMinioOptions.builder()
                        .endpoint("http://10.0.12.7:9000")
                        .bucket("datalake")
                        .directory("alluxio")
                        .build()))
                .credentials(MinioCredentials.fromParameters("/team/minio/access-key", "/team/minio/secret-key"))
                .alluxio(AlluxioOptions.builder()
                        .workers(AlluxioWorkers.ec2(Ec2WorkersOptions.builder()
                                .instanceType(new InstanceType("r5d.xlarge"))
                                .count(2)
                                .build()))
                        .build())
                .build();

        Stack ha = new Stack(app, "AlluxioMinioHaMasters", StackProps.builder()
                .description("Alluxio on ECS with three highly available masters (cdk-alluxio-minio example)")
                .build());
        AlluxioMinio.Builder.create(ha, "Cache")
                .minio(MinioBackend.existing(ExistingMinioOptions.builder()
                        .endpoint("http://10.0.12.7:9000")
                        .bucket("datalake")
                        .directory("alluxio")
                        .build()))
                .credentials(MinioCredentials.fromParameters("/team/minio/access-key", "/team/minio/secret-key"))
                .alluxio(AlluxioOptions.builder()
                        .masters(AlluxioMasters.highlyAvailable(HighlyAvailableMastersOptions.builder()
                                .count(3)
                                .build()))
                        .build())
                .build();

        app.synth();
        System.out.println("{\"defaultAlluxioVersion\": \"" + AlluxioMinio.DEFAULT_ALLUXIO_VERSION
                + "\", \"defaultMinioImage\": \"" + MinioBackend.DEFAULT_IMAGE_NAME + "\"}");
    }

    private static void inputError() {
        App app = new App();
        Stack stack = new Stack(app, "Stack");
        AlluxioMinio.Builder.create(stack, "Cache")
                .minio(MinioBackend.existing(ExistingMinioOptions.builder()
                        .endpoint("http://10.0.12.7:9000")
                        .bucket("datalake")
                        .build()))
                .build();
    }
}
