using k8s.Models;

namespace SlurmK8s.Tests.Kube;

internal sealed class YamlManifestTests
{
    [Test]
    public void Load_ACrdManifest_KeepsStringsNumbersBooleansAndNesting()
    {
        const string yaml = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: slurmjobs.slurm.sylabs.io
            spec:
              group: slurm.sylabs.io
              scope: Namespaced
              names: {plural: slurmjobs, singular: slurmjob, kind: SlurmJob, shortNames: [sj]}
              versions:
              - name: v1alpha1
                served: true
                storage: true
                subresources:
                  status: {}
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        required: [batch]
                        properties:
                          batch:
                            type: string
                            minLength: 1
                            description: "The batch script: #SBATCH lines are read"
                          version:
                            type: string
                            enum: ["1.0", "true"]
            """;

        var crd = YamlManifest.Load<V1CustomResourceDefinition>(yaml);

        var version = crd.Spec.Versions.Single();
        var spec = version.Schema.OpenAPIV3Schema.Properties["spec"];
        Assert.That(crd.Metadata.Name, Is.EqualTo("slurmjobs.slurm.sylabs.io"));
        Assert.That(crd.Spec.Names.ShortNames, Is.EqualTo(new[] { "sj" }));
        Assert.That(version.Served, Is.True);
        Assert.That(version.Subresources.Status, Is.Not.Null);
        Assert.That(spec.Required, Is.EqualTo(new[] { "batch" }));
        Assert.That(spec.Properties["batch"].MinLength, Is.EqualTo(1));
        Assert.That(spec.Properties["batch"].Description, Is.EqualTo("The batch script: #SBATCH lines are read"));
        Assert.That(spec.Properties["version"].EnumProperty.Select(e => e.ToString()), Is.EqualTo(new[] { "1.0", "true" }), "quoted scalars stay strings");
    }
}
