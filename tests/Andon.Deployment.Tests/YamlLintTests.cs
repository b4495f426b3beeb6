namespace Andon.Deployment.Tests;

public sealed class YamlLintTests
{
    [Fact]
    public async Task Compose_and_kubernetes_files_pass_yamllint_strictly()
    {
        var result = await ExternalTool.RunAsync(
            "yamllint",
            "yamllint (apt-get install -y yamllint)",
            "-s", "-c", ".yamllint.yaml", "docker-compose.yml", "k8s", ".yamllint.yaml");

        Assert.True(result.ExitCode == 0, result.Describe("yamllint -s -c .yamllint.yaml docker-compose.yml k8s .yamllint.yaml"));
    }
}
