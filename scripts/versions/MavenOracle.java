// Maven oracle: reads `A<TAB>B` lines, prints -1/0/1 from Maven's own ComparableVersion
// (maven-artifact), E for an empty version. With --satisfies, lines are `VERSION<TAB>RANGE` and
// the answer is VersionRange.createFromVersionSpec(RANGE).containsVersion(VERSION) as
// true/false (E for an invalid range). Run: java -cp <maven-artifact.jar>:<commons-lang3.jar> MavenOracle.java
// (Debian's maven package ships both in /usr/share/maven/lib).
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.VersionRange;

public class MavenOracle {
    public static void main(String[] args) throws Exception {
        boolean satisfies = args.length > 0 && args[0].equals("--satisfies");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            String a = line.substring(0, tab);
            String b = line.substring(tab + 1);
            String answer;
            if (a.isEmpty() || (!satisfies && b.isEmpty())) {
                answer = "E";
            } else if (satisfies) {
                try {
                    VersionRange r = VersionRange.createFromVersionSpec(b);
                    answer = r.containsVersion(new DefaultArtifactVersion(a)) ? "true" : "false";
                } catch (Exception e) {
                    answer = "E";
                }
            } else {
                answer = String.valueOf(Integer.signum(new ComparableVersion(a).compareTo(new ComparableVersion(b))));
            }
            out.write(answer);
            out.write('\n');
        }
        out.flush();
    }
}
