// STAND-IN for Digdir's integrasjonspunkt, for the molecule test ONLY. It is not the integrasjonspunkt.
// The real JAR cannot be downloaded on the test machines, so this tiny app plays its part:
//  * reads integrasjonspunkt-local.properties from its working directory, plus the file named by
//    -Dspring.config.additional-location (optional:file:...), like Spring Boot does;
//  * listens on server.port (default 9093);
//  * answers GET /manage/health with {"status":"UP"} (200) only when the required properties are
//    present, the keystore opens with the configured password and holds the alias, and SPRING_PROFILES_ACTIVE is production|staging;
//    otherwise {"status":"DOWN", "missing": [...]} (503);
//  * GET /manage/info returns the baked-in version;
//  * creates the H2 file in the data directory if it is missing (never rewrites it) and appends
//    "Started IntegrasjonspunktApplication" to logging.file.name.
// A build whose embedded standin-build.properties says healthy=false is the "never healthy" release.
import com.sun.net.httpserver.HttpServer;
import java.io.*;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class StandIn {
    static final String[] REQUIRED = {
        "difi.move.org.number", "difi.move.org.keystore.alias", "difi.move.org.keystore.password",
        "difi.move.org.keystore.path", "difi.move.org.keystore.type", "difi.ssl.enabled",
        "difi.security.enable", "difi.datasource.url", "difi.activemq.broker-url", "difi.move.ntp.host",
    };

    static Properties load(Path p, Properties into) throws IOException {
        if (Files.isReadable(p)) {
            try (Reader r = Files.newBufferedReader(p, StandardCharsets.ISO_8859_1)) { into.load(r); }
        }
        return into;
    }

    public static void main(String[] args) throws Exception {
        Properties build = new Properties();
        try (InputStream in = StandIn.class.getResourceAsStream("/standin-build.properties")) {
            if (in != null) build.load(in);
        }
        String version = build.getProperty("version", "unknown");
        boolean healthy = !"false".equals(build.getProperty("healthy", "true"));

        Properties props = load(Paths.get("integrasjonspunkt-local.properties"), new Properties());
        String extra = System.getProperty("spring.config.additional-location", "");
        if (!extra.isEmpty()) load(Paths.get(extra.replaceFirst("^optional:", "").replaceFirst("^file:", "")), props);

        List<String> missing = new ArrayList<>();
        for (String k : REQUIRED) if (props.getProperty(k, "").isEmpty()) missing.add(k);
        String ks = props.getProperty("difi.move.org.keystore.path", "").replaceFirst("^file:", "");
        if (!ks.isEmpty() && !Files.isReadable(Paths.get(ks))) missing.add("readable keystore " + ks);
        else if (!ks.isEmpty()) {
            // Open the keystore with the configured password and find the alias, as the real one does.
            try {
                java.security.KeyStore store = java.security.KeyStore.getInstance(props.getProperty("difi.move.org.keystore.type", "PKCS12"));
                char[] pw = props.getProperty("difi.move.org.keystore.password", "").toCharArray();
                try (InputStream in = Files.newInputStream(Paths.get(ks))) { store.load(in, pw); }
                if (store.getKey(props.getProperty("difi.move.org.keystore.alias", ""), pw) == null) missing.add("alias in keystore");
            } catch (Exception e) {
                missing.add("keystore does not open: " + e.getClass().getSimpleName());
            }
        }
        String profile = System.getenv().getOrDefault("SPRING_PROFILES_ACTIVE", "");
        if (!profile.equals("production") && !profile.equals("staging")) missing.add("SPRING_PROFILES_ACTIVE");
        if (!healthy) missing.add("(this stand-in build never becomes healthy)");

        String db = props.getProperty("difi.datasource.url", "");
        if (db.startsWith("jdbc:h2:file:")) {
            Path mv = Paths.get(db.substring("jdbc:h2:file:".length()) + ".mv.db");
            if (!Files.exists(mv)) Files.write(mv, ("stand-in H2 file created by " + version + "\n").getBytes());
        }
        String log = props.getProperty("logging.file.name", "");
        if (!log.isEmpty()) {
            Files.write(Paths.get(log), ("Started IntegrasjonspunktApplication (stand-in " + version + ")\n").getBytes(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        int port = Integer.parseInt(props.getProperty("server.port", "9093"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        final String body = missing.isEmpty() ? "{\"status\":\"UP\"}"
            : "{\"status\":\"DOWN\",\"missing\":[\"" + String.join("\",\"", missing) + "\"]}";
        final int code = missing.isEmpty() ? 200 : 503;
        server.createContext("/manage/health", ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(code, b.length);
            try (OutputStream os = ex.getResponseBody()) { os.write(b); }
        });
        server.createContext("/manage/info", ex -> {
            byte[] b = ("{\"build\":{\"version\":\"" + version + "\",\"standin\":true}}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream os = ex.getResponseBody()) { os.write(b); }
        });
        server.start();
        System.out.println("Stand-in integrasjonspunkt " + version + " on port " + port + ": " + body);
    }
}
