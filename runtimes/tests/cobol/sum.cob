       IDENTIFICATION DIVISION.
       PROGRAM-ID. MAIN.
       DATA DIVISION.
       WORKING-STORAGE SECTION.
       01 N PIC 9(5).
       01 I PIC 9(5).
       01 S PIC 9(9) VALUE 0.
       01 OUT PIC Z(8)9.
       PROCEDURE DIVISION.
           ACCEPT N.
           PERFORM VARYING I FROM 1 BY 1 UNTIL I > N
               ADD I TO S
           END-PERFORM.
           MOVE S TO OUT.
           DISPLAY FUNCTION TRIM(OUT).
           STOP RUN.
