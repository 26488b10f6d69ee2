package dev.conveyor.activities.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs the Docker engine and the registry on 127.0.0.1:5000.
 * Same as {@code @ExtendWith(DockerRequired.class)}, plus the JUnit tag {@code docker} so a build
 * can select or exclude these tests. See {@link DockerRequired} for skip versus fail.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Tag("docker")
@ExtendWith(DockerRequired.class)
public @interface RequiresDocker {}
